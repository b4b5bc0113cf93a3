"""Result documents: the one layer that turns results into the documents interfaces
render (JSON, Excel, CSV, HTML). One module per result kind; each has ``build(city, …)``
that returns a JSON-ready dict headed by :meth:`qingshan.city.City.header` (profile, factor
set, package). The CLI and the web return the same documents (tests/test_documents.py).
"""
