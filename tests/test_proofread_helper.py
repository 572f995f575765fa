"""The proofreading helper finds each slip it names and passes clean Swedish."""

from tests.proofread import problems


def test_the_helper_finds_each_slip():
    assert problems("<p>Har du barn?.</p>")
    assert problems("<p>Fråga?: Fel</p>")
    assert problems("<p>1 bilagor</p>") and problems("<p>1 utbetalningar</p>") and problems("<p>Bilagor – 1 bifogade</p>")
    assert problems("<p>Personliga kostnader, barn 289, 5 år</p>")
    assert problems("<p>Godkänd av klienten</p>")
    assert problems('<label for="id_x">Namn (frivilligt)</label><input id="id_x" name="x" required>')


def test_the_helper_passes_clean_swedish():
    page = ('<p>Har du barn? Svara ja eller nej.</p><p>1 bilaga, 2 bilagor, 1 utbetalning, 11 dagar, 21 dagar.</p>'
            '<p>Personliga kostnader, Ella, 5 år. Barn 4–6 år. Kl. 10:30.</p>'
            '<label for="id_x">Namn (frivilligt)</label><input id="id_x" name="x">')
    assert problems(page) == []
    assert problems("<p>Klienten</p>", applicant_page=False) == []


def test_the_helper_reads_an_english_page_as_english():
    english = '<html lang="en"><body>{}</body></html>'
    assert problems(english.format("<p>1 attachments</p>")) and problems(english.format("<p>1 payments, 2 days</p>"))
    assert problems(english.format("<p>Do you have children?.</p>"))
    assert problems(english.format('<label for="id_x">Name (optional)</label><input id="id_x" name="x" required>'))
    clean = english.format('<p>1 attached, 1 file, 2 files, 21 days. Sign in with e-ID, for example BankID.</p>'
                           '<label for="id_x">Name (optional)</label><input id="id_x" name="x">')
    assert problems(clean) == []


def test_the_swedish_plural_check_does_not_misfire_on_an_english_page():
    # "1 filer" is a Swedish slip; on an English page the Swedish plural words are not checked.
    assert problems('<html lang="sv"><p>1 filer</p></html>')
    assert problems('<html lang="en"><p>Bistånd 1 dagar</p></html>') == []
