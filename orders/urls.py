"""Orders URLs: every domain sub-package has its own urls.py; they share the ``orders`` namespace."""

from orders.analytics.urls import urlpatterns as analytics_urls
from orders.approvals.urls import urlpatterns as approval_urls
from orders.catalog.urls import urlpatterns as catalog_urls
from orders.checkout.urls import urlpatterns as checkout_urls
from orders.documents.urls import urlpatterns as document_urls
from orders.finance.urls import urlpatterns as finance_urls
from orders.information.urls import urlpatterns as information_urls
from orders.policies.urls import urlpatterns as policy_urls
from orders.receiving.urls import urlpatterns as receiving_urls
from orders.returns.urls import urlpatterns as returns_urls
from orders.tracking.urls import urlpatterns as tracking_urls

app_name = "orders"

urlpatterns = [
    *catalog_urls, *checkout_urls, *tracking_urls, *receiving_urls, *returns_urls, *approval_urls, *policy_urls, *document_urls, *finance_urls, *analytics_urls,
    *information_urls,
]
