"""The applicant e-service under /e-tjanst/ (Swedish, plain language, WCAG 2.1 AA).

Applicants log in with e-ID only (``bistand.identity``: the configured plugin), never with a
password, and see only their own households' applications."""
