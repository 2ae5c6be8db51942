// Renders an XForm in the browser the way Enketo does: enketo-transformer (web build) turns it into HTML and a
// model, enketo-core runs it with the form's external CSV given as a secondary instance.
import { transform } from 'enketo-transformer/web';
import { Form } from 'enketo-core';

window.renderXForm = async (xform, externalInstances) => {
  const result = await transform({ xform });
  const container = document.getElementById('form');
  const range = document.createRange();
  container.replaceChildren(range.createContextualFragment(result.form));
  const formElement = container.querySelector('form');
  const form = new Form(formElement, {
    modelStr: result.model,
    external: externalInstances.map(({ id, xml }) => ({ id, xml: new DOMParser().parseFromString(xml, 'text/xml') })),
  }, { language: 'Indonesian (id)' });
  const loadErrors = form.init();
  return { loadErrors, questions: formElement.querySelectorAll('.question').length };
};
