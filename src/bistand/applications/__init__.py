"""Applications for försörjningsstöd: the declared data, attachments, the co-applicant's confirmation
and completion requests (kompletteringar). Writes in services.py, reads in selectors.py."""
