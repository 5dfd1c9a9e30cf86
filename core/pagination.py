from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination


class DefaultPagination(PageNumberPagination):
    """Page-number pagination; clients may ask for up to 100 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 100


class _CountUpToPaginator(Paginator):
    """Counts at most `cap + 1` rows: COUNT(*) over a LIMITed subquery."""

    cap = 1000

    @cached_property
    def count(self) -> int:
        # certificate_search already knows how many matches a search has, or that it has more
        # than the cap.
        if getattr(self.object_list, "search_matches_over", -1) >= self.cap:
            return self.cap + 1
        if (matches := getattr(self.object_list, "search_matches", None)) is not None:
            return min(matches, self.cap + 1)
        return self.object_list.order_by()[: self.cap + 1].count()


class SearchPagination(DefaultPagination):
    """Exact counts for lists; a search (?q=) counts its matches only up to `search_count_cap`.

    Counting every match of a common word visits every matching row (a third of a second for
    60k matches at 1M certificates, bench/search_bench.py) while the first page takes ~2 ms. Past
    the cap the response says `"count_capped": true` and `count` is the cap: refine the search
    or use the CSV export to see them all.
    """

    search_param = "q"
    search_count_cap = 1000

    def paginate_queryset(self, queryset, request, view=None):
        self.searching = bool(request.query_params.get(self.search_param))
        self.django_paginator_class = (
            type("SearchPaginator", (_CountUpToPaginator,), {"cap": self.search_count_cap})
            if self.searching
            else Paginator
        )
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        count = self.page.paginator.count
        capped = self.searching and count > self.search_count_cap
        response.data["count"] = min(count, self.search_count_cap) if capped else count
        response.data["count_capped"] = capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"True when a search matched more than {self.search_count_cap} "
            "certificates; `count` is then that cap.",
        }
        return schema
