"""Analytics in SQL: the reports' statements (``statements``) and the adapter that runs them
(``queries``)."""

from lms_adapters.sql.analytics.queries import SqlAnalyticsQueries

__all__ = ["SqlAnalyticsQueries"]
