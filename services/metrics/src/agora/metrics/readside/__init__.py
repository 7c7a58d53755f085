"""Reading buckets into indicator series, with the trust rules applied."""
