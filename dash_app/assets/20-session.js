/* The session ended (idle timeout, sign-out elsewhere, a disabled account): the server answers Dash's
   requests with 401 (dash_app/sign_in.py). Instead of a page that silently stops updating, go to the sign-in
   form, which brings the adviser back here afterwards. */
(function () {
    "use strict";
    var originalFetch = window.fetch;
    var leaving = false;
    window.fetch = function (resource, init) {
        return originalFetch.call(this, resource, init).then(function (response) {
            var url = typeof resource === "string" ? resource : (resource && resource.url) || "";
            if (response.status === 401 && url.indexOf("/_dash-") !== -1 && !leaving) {
                leaving = true;
                var here = window.location.pathname + window.location.search;
                window.location.assign("/login?reason=expired&next=" + encodeURIComponent(here));
            }
            return response;
        });
    };
})();
