"""A form written in a third language (Javanese beside Bahasa Indonesia and English) is offered in it on the phone:
chosen in the settings, the visit asks the form's Javanese labels and hints, and whatever the form does not
translate stays in Bahasa Indonesia, its default language."""

from __future__ import annotations

import pytest

from tests.e2e.pwa.capture import start_visit

pytestmark = pytest.mark.e2e

JAVANESE = "Basa Jawa (jv)"

# Gives the stored instrument's first indicator the Javanese label and hint an XLSForm upload keeps (its columns
# `label::Basa Jawa (jv)` and `hint::Basa Jawa (jv)`, as the server sends them); answers the first two indicators
# with their Indonesian texts.
IN_JAVANESE_JS = """(language) => new Promise((resolve, reject) => {
  const request = indexedDB.open('sidak');
  request.onerror = () => reject(request.error);
  request.onsuccess = () => {
    const db = request.result;
    const store = db.transaction('instruments', 'readwrite').objectStore('instruments');
    const all = store.getAll();
    all.onsuccess = () => {
      const instrument = all.result[0];
      const [first, second] = instrument.dimensions.flatMap((d) => d.indicators);
      first.xlsform = { ...(first.xlsform || {}), [`label::${language}`]: 'Papan layanan dipasang ing ngarep',
                        [`hint::${language}`]: 'Delengen papan ing lawang mlebu' };
      const put = store.put(instrument);
      put.onsuccess = () => { db.close(); resolve([first.id, first.text.id, second.id, second.text.id]); };
      put.onerror = () => reject(put.error);
    };
  };
})"""


def test_a_third_language_of_the_form_is_offered_and_asks_its_own_labels(phone, pwa_server):
    device = phone("form-languages")
    page = device.open()
    device.log_in("surveyor2")
    device.wait_until_installed()
    first_id, first_id_text, second_id, second_id_text = page.evaluate(IN_JAVANESE_JS, JAVANESE)

    page.goto(pwa_server.base_url + "/#/settings")
    page.wait_for_selector("[data-testid=form-languages]")
    offered = page.locator("[data-testid=form-languages] .option-label").all_text_contents()
    page.check(f"[data-testid='form-language-{JAVANESE}']")
    device.shoot("settings-form-languages")
    page.goto(pwa_server.base_url + "/#/")
    page.wait_for_selector("[data-testid=assignment-list] li")
    first = page.get_attribute("[data-testid^=assignment-][data-assignment-id]", "data-assignment-id")
    visit_id = start_visit(page, str(first))
    first_card = page.wait_for_selector(f"[data-testid=indicator-{first_id}]")
    second_card = page.wait_for_selector(f"[data-testid=indicator-{second_id}]")
    device.shoot("visit-in-javanese")

    assert offered[1:] == [JAVANESE]  # after "the app's language"
    assert "Papan layanan dipasang ing ngarep" in first_card.text_content()
    assert first_id_text not in first_card.text_content()
    assert second_id_text in second_card.text_content()  # not translated: the default language's words
    device.problems.expect_none()

    page.goto(pwa_server.base_url + "/#/settings")
    page.check("[data-testid=form-language-app]")
    page.goto(pwa_server.base_url + f"/#/visit/{visit_id}")
    assert first_id_text in page.wait_for_selector(f"[data-testid=indicator-{first_id}]").text_content()
