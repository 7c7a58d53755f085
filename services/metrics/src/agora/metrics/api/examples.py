"""Example values shared by the OpenAPI document."""

COMMUNITY_ID = "3f2b8c1e9d4a4f6b8e7c5a1d2b3c4e5f"
CSV_EXAMPLE = (
    "group,period,start,end,group_size,suppressed,active,contributors,readers_only,posts\n"
    "R&D,2026-W47,2026-11-16,2026-11-22,412,,287,96,191,58\n"
    "other,2026-W47,2026-11-16,2026-11-22,,fewer than 5 people in this group,,,,\n"
)
