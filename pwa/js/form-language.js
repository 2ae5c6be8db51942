// The languages of an uploaded form beyond the app's own two. An instrument's texts are Bahasa Indonesia (the form's
// default) and English; a form written in more languages keeps the others' labels and hints with each indicator, by
// column header as written (`label::Basa Jawa (jv)`, `hint::Basa Jawa (jv)`). Pure functions on the instrument
// document: the visit screen draws an instrument "in" a language by giving every text that language's words, or the
// default language's where the form has no translation. A choice keeps its own further labels the same way.

const LABEL_HEADER = /^label::(.+)$/i;

/** The form's other languages as its headers name them ("Basa Jawa (jv)"), in the order the form first uses them:
 * of its groups, indicators, notes and choices. */
export function otherLanguages(instrument) {
  const names = [];
  const keptColumns = instrument.dimensions.flatMap((dimension) => [dimension, ...dimension.indicators.flatMap(
    (indicator) => [indicator, ...(indicator.notes || []), ...(indicator.choices || [])])]);
  for (const item of keptColumns) {
    for (const header of Object.keys(item.xlsform || {})) {
      const match = LABEL_HEADER.exec(header);
      const name = match && match[1].trim();
      if (name && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

/** Every text of the form's default language, whatever language the app shows its own words in. */
function asDefault(text, words) {
  if (!text) return text;
  const chosen = words || text.id;
  return { ...text, id: chosen, en: chosen };
}

function keptIn(kept, base, language) {
  const wanted = `${base}::${language}`.toLowerCase();
  const header = Object.keys(kept).find((key) => key.trim().toLowerCase() === wanted);
  return header ? kept[header] : null;
}

/** The photo row's own text (`image:label`, `image:hint`) in `language`, else in the default language. */
function photoText(kept, base, language) {
  const words = keptIn(kept, base, language) || kept[base];
  return words ? { [base]: words, [`${base}::en`]: words } : {};
}

/**
 * The instrument with every text in `language` (one of `otherLanguages`): an indicator's label, hint and photo
 * instructions in that language where the form translates them, and everything else (titles, choices, a missing
 * translation) in the form's default language. Any other `language` answers the instrument unchanged.
 */
export function instrumentIn(instrument, language) {
  if (!language || !otherLanguages(instrument).includes(language)) return instrument;
  const indicator = (item) => {
    const kept = item.xlsform || {};
    return {
      ...item,
      text: asDefault(item.text, keptIn(kept, 'label', language)),
      guidance: item.guidance ? asDefault(item.guidance, keptIn(kept, 'hint', language)) : item.guidance,
      choices: item.choices && item.choices.map((choice) => ({
        ...choice, label: asDefault(choice.label, keptIn(choice.xlsform || {}, 'label', language)),
      })),
      notes: item.notes && item.notes.map((note) => ({
        ...note, text: asDefault(note.text, keptIn(note.xlsform || {}, 'label', language)),
      })),
      xlsform: item.xlsform && { ...kept, ...photoText(kept, 'image:label', language),
        ...photoText(kept, 'image:hint', language) },
    };
  };
  return {
    ...instrument,
    title: asDefault(instrument.title),
    dimensions: instrument.dimensions.map((dimension) => ({
      ...dimension, title: asDefault(dimension.title, keptIn(dimension.xlsform || {}, 'label', language)),
      indicators: dimension.indicators.map(indicator),
    })),
  };
}
