// The unit grid map: draws the grid version in force from /api/v1/grid/cells
// on Leaflet, with no tile layer unless the server configures one.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var status = document.getElementById("map-status");
  if (!el || !window.L) {
    return;
  }
  var map = L.map(el, { preferCanvas: false, zoomSnap: 0.25 });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  }
  function text(s) {
    var span = document.createElement("span");
    span.textContent = s;
    return span.innerHTML;
  }
  var version = "";
  fetch(el.dataset.cells, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (resp) {
      if (!resp.ok) {
        throw new Error(resp.status);
      }
      version = resp.headers.get("X-Grid-Version") || "";
      return resp.json();
    })
    .then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: function () {
          return { color: "#0b5cad", weight: 1, fillColor: "#7fb2e5", fillOpacity: 0.25 };
        },
        onEachFeature: function (f, l) {
          var p = f.properties || {};
          l.bindTooltip(
            text(el.dataset.labelGrid) + " " + text(p.code) + (p.name ? " " + text(p.name) : "") + "<br>" +
            text(el.dataset.labelCommunity) + " " + text(p.community_name || p.community_code || "") + "<br>" +
            text(el.dataset.labelStreet) + " " + text(p.street_name || p.street_code || ""),
            { sticky: true }
          );
        },
      }).addTo(map);
      map.fitBounds(layer.getBounds());
      status.textContent = fc.features.length + " " + el.dataset.labelCells + " · " + el.dataset.labelVersion + " " + version;
      el.dataset.cellsShown = String(fc.features.length);
    })
    .catch(function () {
      status.textContent = el.dataset.error;
      map.setView([33.745, 113.192], 13);
    });
})();
