// A page shown in answer to a form's POST (one that failed validation) carries its own address in
// <meta name="page-address"> (webconsole.web.forms.page_address): put it in the address bar, so that a
// reload or a shared link asks for the page with GET instead of sending the form again (or answering 405).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="page-address"]');
  if (meta && window.history && window.history.replaceState) {
    try {
      window.history.replaceState(window.history.state, "", meta.content);
    } catch (ignored) {  // an address of another origin is refused by the browser: keep the one shown
    }
  }
})();
