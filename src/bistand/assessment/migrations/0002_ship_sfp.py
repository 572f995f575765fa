"""Ship the open default instrument Självförsörjningsprofilen (SFP) v0.1 to every municipality."""

from django.db import migrations


def ship_sfp(apps, schema_editor):
    from bistand.assessment import package

    data = package.sfp()
    body = data["instrument"]
    Instrument = apps.get_model("assessment", "Instrument")
    InstrumentVersion = apps.get_model("assessment", "InstrumentVersion")
    instrument, _ = Instrument.objects.get_or_create(
        municipality=None, key=body["id"],
        defaults=dict(name=body["name"], owner=body["owner"], licence_type=body["licence"]["type"],
                      redistribution=body["licence"]["redistribution"]),
    )
    InstrumentVersion.objects.get_or_create(
        instrument=instrument, version=body["version"],
        defaults=dict(content=data, checksum=package.checksum(data), loaded_by="Systemet"),
    )


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]
    operations = [migrations.RunPython(ship_sfp, migrations.RunPython.noop)]
