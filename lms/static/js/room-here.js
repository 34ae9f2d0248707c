// The phone page opened from the room's QR code: send the sign-in at once (the
// code lives 20-40 s); the button stays for a second try or a typed code.
(function () {
  "use strict";
  var form = document.querySelector("form.here-form[data-autosubmit]");
  if (form && form.elements.code.value) {
    form.querySelector("button[type=submit]").disabled = true;
    form.submit();
  }
})();
