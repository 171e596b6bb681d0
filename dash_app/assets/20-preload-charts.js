/*
 * Load plotly.js in the background as soon as the first page is idle, so that the first chart of a session
 * (the score gauge, after choosing a client) does not wait for its 3.5 MB to be fetched and compiled:
 * dcc.Graph only starts loading it when a graph first appears. The script is Dash's own local copy
 * (window._dashPlotlyJSURL, set by the renderer). While it loads, window.Plotly is a promise, which the
 * graphs wait on (dcc.Graph loads plotly.js only when window.Plotly is unset); once loaded, plotly.js
 * replaces it with itself.
 */
(function () {
    "use strict";

    function preloadPlotly() {
        if (window.Plotly || !window._dashPlotlyJSURL) {
            return;
        }
        window.Plotly = new Promise(function (resolve, reject) {
            var script = document.createElement("script");
            script.src = window._dashPlotlyJSURL;
            script.async = true;
            script.onload = function () {
                resolve(window.Plotly);
            };
            script.onerror = function (error) {
                delete window.Plotly; // the next graph tries again the usual way
                reject(error);
            };
            document.body.appendChild(script);
        });
        window.Plotly.catch(function () {});
    }

    function whenIdle() {
        if (window.requestIdleCallback) {
            window.requestIdleCallback(preloadPlotly, { timeout: 2000 });
        } else {
            window.setTimeout(preloadPlotly, 200);
        }
    }

    if (document.readyState === "complete") {
        whenIdle();
    } else {
        window.addEventListener("load", whenIdle);
    }
})();
