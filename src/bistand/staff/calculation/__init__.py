"""The "try a calculation" page (/handlaggning/berakning/): forms.py (the form and its row groups),
page.py (the page's state: rows added and removed, the calculation, errors mapped back to fields),
presenters.py (labels and the result in Swedish)."""
