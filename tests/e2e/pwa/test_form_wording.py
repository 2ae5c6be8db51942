"""What an uploaded XLSForm says is what the phone asks: a yes/no question worded by its form ("Ada" / "Tidak ada"
instead of "Ya" / "Tidak") in the form's own words, the answer staying true or false; and a photo with the form's own
instructions for it."""

from __future__ import annotations

import pytest

from tests.e2e.pwa.capture import start_visit

pytestmark = pytest.mark.e2e

# Gives the stored instrument's first yes/no indicator the wording an XLSForm upload keeps (choices scored 1 and 0),
# and its first indicator with a photo the photo instructions of its image row, as the server sends them for such a
# form; answers the two indicators' ids.
WORD_FIRST_YES_NO_JS = """() => new Promise((resolve, reject) => {
  const request = indexedDB.open('sidak');
  request.onerror = () => reject(request.error);
  request.onsuccess = () => {
    const db = request.result;
    const store = db.transaction('instruments', 'readwrite').objectStore('instruments');
    const all = store.getAll();
    all.onsuccess = () => {
      const instrument = all.result[0];
      const indicator = instrument.dimensions.flatMap((d) => d.indicators).find((i) => i.type === 'yes_no');
      indicator.choices = [
        { value: 'tidak', label: { id: 'Tidak ada', en: 'Absent' }, score: 0 },
        { value: 'ya', label: { id: 'Ada', en: 'Present' }, score: 1 },
      ];
      const photographed = instrument.dimensions.flatMap((d) => d.indicators).find((i) => i.photo !== 'none');
      photographed.xlsform = { 'image:label': 'Foto papan dari depan', 'image:hint': 'Seluruh papan terlihat' };
      const put = store.put(instrument);
      put.onsuccess = () => { db.close(); resolve([indicator.id, photographed.id]); };
      put.onerror = () => reject(put.error);
    };
  };
})"""


def test_a_yes_no_question_and_a_photo_are_asked_in_their_form_s_own_words(phone, pwa_server):
    device = phone("form-wording")
    page = device.open()
    device.log_in("surveyor2")
    device.wait_until_installed()
    indicator_id, photographed_id = page.evaluate(WORD_FIRST_YES_NO_JS)

    page.reload()
    page.wait_for_selector("[data-testid=assignment-list] li")
    first = page.get_attribute("[data-testid^=assignment-][data-assignment-id]", "data-assignment-id")
    start_visit(page, str(first))
    yes = page.wait_for_selector(f"label:has([data-testid=answer-{indicator_id}-yes])")
    no = page.wait_for_selector(f"label:has([data-testid=answer-{indicator_id}-no])")
    device.shoot("form-wording")

    assert "Ada" in yes.text_content() and "Tidak ada" not in yes.text_content()
    assert "Tidak ada" in no.text_content()
    page.click(f"[data-testid=answer-{indicator_id}-yes]")
    assert page.is_checked(f"[data-testid=answer-{indicator_id}-yes]")
    instructions = page.wait_for_selector(f"[data-testid=photo-instructions-{photographed_id}]")
    assert instructions.text_content() == "Foto papan dari depan — Seluruh papan terlihat"
    device.problems.expect_none()
