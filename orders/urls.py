"""Orders app URLs, one module per area so the areas can grow apart."""

from .urls_documents import urlpatterns as document_urls
from .urls_finance import urlpatterns as finance_urls
from .urls_shop import urlpatterns as shop_urls

app_name = "orders"

urlpatterns = [*shop_urls, *document_urls, *finance_urls]
