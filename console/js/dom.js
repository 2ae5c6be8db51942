// The console's DOM helpers are the ones both apps share (/shared/dom.js); `mount` is the console's name for
// replacing an element's children.

export { append, h, replaceChildren as mount, uniqueId } from '../../shared/dom.js';
