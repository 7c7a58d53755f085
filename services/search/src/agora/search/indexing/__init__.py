"""Writing the search indices: settings and mappings, generations and aliases, documents built
from the side model, bulk writes with external versions, and the indexing projection."""
