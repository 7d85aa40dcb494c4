"""The shop's catalog: feeds imported, embedded and tagged once; search by picture; shopping suggestions.

    service      import (feed, fetch, importer), search with filters (index), stats, removal, the demo catalog
    shopper      for one user: like their item, complete a look, wardrobe gaps, "buy it or not?", push products
    suggest      the scoring behind the suggestions (the outfit composer's compatibility scorer)
    repository   products in SQL;  types  the plain data;  links  tracking parameters and prices
"""

from engine.catalog.links import format_price, tracked
from engine.catalog.types import (
    MAX_RESULTS,
    BuyVerdict,
    CatalogStats,
    FeedProblem,
    Gap,
    ImportReport,
    Product,
    ProductFilter,
    ProductHit,
    price_problem,
    results_problem,
)

__all__ = ["BuyVerdict", "CatalogStats", "FeedProblem", "Gap", "ImportReport", "Product", "ProductFilter",
           "ProductHit", "format_price", "tracked", "MAX_RESULTS", "price_problem", "results_problem"]
