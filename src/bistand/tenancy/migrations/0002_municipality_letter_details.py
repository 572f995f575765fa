"""The municipality's name, committee, postal address, telephone and e-mail as written in letters."""

from django.db import migrations, models

#: The demo municipalities as they spell themselves (never a generated genitive).
KNOWN = {
    "0680": "Jönköpings kommun",
    "0662": "Gislaveds kommun",
    "0684": "Sävsjö kommun",
}


def fill_official_names(apps, schema_editor):
    Municipality = apps.get_model("tenancy", "Municipality")
    for municipality in Municipality.objects.filter(official_name=""):
        if municipality.code in KNOWN:
            municipality.official_name = KNOWN[municipality.code]
        elif municipality.name.lower().endswith("kommun"):
            municipality.official_name = municipality.name
        else:
            continue  # the administrator writes it; until then letters use the plain name
        municipality.save(update_fields=["official_name"])


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="municipality",
            name="official_name",
            field=models.CharField(blank=True, help_text="Som kommunen skriver det, till exempel ”Sävsjö kommun” eller ”Jönköpings kommun”.", max_length=120, verbose_name="kommunens namn i brev"),
        ),
        migrations.AddField(
            model_name="municipality",
            name="committee_name",
            field=models.CharField(default="Socialnämnden", help_text="Nämnden som ansvarar för ekonomiskt bistånd och har delegerat besluten, till exempel ”Individ- och familjeomsorgsnämnden”.", max_length=150, verbose_name="nämnd för ekonomiskt bistånd"),
        ),
        migrations.AddField(
            model_name="municipality",
            name="postal_address",
            field=models.TextField(blank=True, help_text="Nämndens postadress, en rad per rad i brevet.", verbose_name="postadress"),
        ),
        migrations.AddField(
            model_name="municipality",
            name="phone",
            field=models.CharField(blank=True, max_length=40, verbose_name="telefon"),
        ),
        migrations.AddField(
            model_name="municipality",
            name="email",
            field=models.EmailField(blank=True, max_length=254, verbose_name="e-post"),
        ),
        migrations.RunPython(fill_official_names, migrations.RunPython.noop),
    ]
