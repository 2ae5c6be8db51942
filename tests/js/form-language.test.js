// A form's third language on the phone (pwa/js/form-language.js): which languages a form offers, and the instrument
// drawn in one of them, falling back to the form's default language where it has no translation.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { instrumentIn, otherLanguages } from '../../pwa/js/form-language.js';

const JV = 'Basa Jawa (jv)';

function aForm() {
  return {
    key: 'cek', version: '1.2.0', title: { id: 'Cek layanan', en: 'Service check' },
    dimensions: [{
      id: 'A', title: { id: 'Sarana', en: 'Facilities' }, weight: 1, xlsform: { [`label::${JV}`]: 'Sarana-sarana' },
      indicators: [
        { id: 'A01', type: 'yes_no', text: { id: 'Papan layanan', en: 'Service board' },
          guidance: { id: 'Lihat pintu masuk', en: 'Look at the entrance' },
          choices: [{ value: 'ya', label: { id: 'Ya', en: 'Yes' }, score: 1, xlsform: { [`label::${JV}`]: 'Inggih' } },
            { value: 'tidak', label: { id: 'Tidak', en: 'No' }, score: 0 }],
          xlsform: { [`label::${JV}`]: 'Papan layanan ing ngarep', 'image:label': 'Foto papan',
            [`image:label::${JV}`]: 'Foto papan ing ngarep' } },
        { id: 'A02', type: 'text', text: { id: 'Catatan', en: 'Notes' },
          xlsform: { 'label::Français (fr)': 'Remarques' } },
      ],
    }],
  };
}

describe('a form in its other languages', () => {
  test('the languages are those of its label columns, in the order the form first uses them', () => {
    assert.deepEqual(otherLanguages(aForm()), [JV, 'Français (fr)']);
  });

  test('a translated label and photo text are shown in the chosen language, whatever the app language', () => {
    const [a01] = instrumentIn(aForm(), JV).dimensions[0].indicators;
    assert.deepEqual(a01.text, { id: 'Papan layanan ing ngarep', en: 'Papan layanan ing ngarep' });
    assert.equal(a01.xlsform['image:label::en'], 'Foto papan ing ngarep');
    assert.deepEqual(a01.choices[0].label, { id: 'Inggih', en: 'Inggih' });
    assert.deepEqual(instrumentIn(aForm(), JV).dimensions[0].title, { id: 'Sarana-sarana', en: 'Sarana-sarana' });
  });

  test('what the form does not translate is in its default language, not in English', () => {
    const form = instrumentIn(aForm(), JV);
    const [a01, a02] = form.dimensions[0].indicators;
    assert.deepEqual(a01.guidance, { id: 'Lihat pintu masuk', en: 'Lihat pintu masuk' });
    assert.deepEqual(a01.choices[1].label, { id: 'Tidak', en: 'Tidak' });
    assert.deepEqual(a02.text, { id: 'Catatan', en: 'Catatan' });
    assert.deepEqual(instrumentIn(aForm(), 'Français (fr)').dimensions[0].title, { id: 'Sarana', en: 'Sarana' });
  });

  test('a language the form does not have leaves it as it is', () => {
    const form = aForm();
    assert.equal(instrumentIn(form, 'Deutsch (de)'), form);
    assert.equal(instrumentIn(form, ''), form);
  });
});
