"""What every form of the project's pages shares: hints and errors tied to their inputs (WCAG 2.1 AA)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class AccessibleFormMixin:
    """Ties hints and error messages to their inputs (aria-describedby, aria-invalid), as the
    template staff/_field.html renders them: hint ``<id>-hint``, error ``<id>-error``."""

    def _describe(self) -> None:
        for name, field in self.fields.items():
            widget_id = self[name].auto_id
            ids = []
            if field.help_text:
                ids.append(f"{widget_id}-hint")
            if name in self.errors:
                ids.append(f"{widget_id}-error")
                field.widget.attrs["aria-invalid"] = "true"
            else:
                field.widget.attrs.pop("aria-invalid", None)
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
            else:
                field.widget.attrs.pop("aria-describedby", None)

    def full_clean(self):
        super().full_clean()
        self._describe()

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a ValidationError from a service: each field's message at that field."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)
        self._describe()
