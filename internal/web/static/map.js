// The unit grid map: draws the grid version in force from /api/v1/grid/cells
// on Leaflet, with no tile layer unless the server configures one, and the
// responsibility areas (责任区) in force from /api/v1/grid/areas as a layer
// the checkbox above the map shows and hides.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var status = document.getElementById("map-status");
  var toggle = document.getElementById("areas-toggle");
  if (!el || !window.L) {
    return;
  }
  var map = L.map(el, { preferCanvas: false, zoomSnap: 0.25 });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  }
  function text(s) {
    var span = document.createElement("span");
    span.textContent = s == null ? "" : String(s);
    return span.innerHTML;
  }
  function load(url, header) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } }).then(function (resp) {
      if (!resp.ok) {
        var err = new Error(resp.status);
        err.status = resp.status;
        throw err;
      }
      var version = resp.headers.get(header) || "";
      return resp.json().then(function (fc) {
        return { fc: fc, version: version };
      });
    });
  }
  var parts = { cells: "", areas: "" };
  function show() {
    status.textContent = [parts.cells, parts.areas].filter(Boolean).join(" · ");
  }

  load(el.dataset.cells, "X-Grid-Version")
    .then(function (got) {
      var layer = L.geoJSON(got.fc, {
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
      parts.cells = got.fc.features.length + " " + el.dataset.labelCells + " · " + el.dataset.labelVersion + " " + got.version;
      show();
      el.dataset.cellsShown = String(got.fc.features.length);
      return loadAreas();
    })
    .catch(function () {
      status.textContent = el.dataset.error;
      map.setView([33.745, 113.192], 13);
    });

  // The areas go above the cells, the smaller above the larger, so that a market on a road
  // can be pointed at.
  function loadAreas() {
    return load(el.dataset.areas, "X-Area-Version")
      .then(function (got) {
        var features = got.fc.features.slice().sort(function (a, b) {
          return area(b) - area(a);
        });
        var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
          style: function () {
            return { color: "#b45309", weight: 2, dashArray: "6 4", fillColor: "#f59e0b", fillOpacity: 0.3 };
          },
          onEachFeature: function (f, l) {
            var p = f.properties || {};
            var cats = p.categories && p.categories.length ? p.categories.map(category).join(", ") : el.dataset.labelAllCategories;
            l.bindTooltip(
              "<strong>" + text(el.dataset.labelArea) + " " + text(p.code) + (p.name ? " " + text(p.name) : "") + "</strong><br>" +
              (p.kind ? text(el.dataset.labelAreaKind) + " " + text(p.kind) + "<br>" : "") +
              text(el.dataset.labelUnit) + " " + text(p.unit_name || p.unit_code) + " (" + text(p.unit_code) + ")<br>" +
              text(el.dataset.labelCategories) + " " + text(cats),
              { sticky: true, direction: "top" }
            );
          },
        }).addTo(map);
        toggle.disabled = false;
        toggle.addEventListener("change", function () {
          if (toggle.checked) {
            layer.addTo(map);
          } else {
            layer.remove();
          }
          el.dataset.areasVisible = String(toggle.checked);
        });
        parts.areas = got.fc.features.length + " " + el.dataset.labelAreas + " · " + el.dataset.labelAreaVersion + " " + got.version;
        show();
        el.dataset.areasShown = String(got.fc.features.length);
        el.dataset.areasVisible = "true";
      })
      .catch(function () {
        // No areas imported (404), or none this user may see: the grid alone.
        toggle.checked = false;
        parts.areas = el.dataset.noAreas;
        show();
        el.dataset.areasShown = "0";
      });
  }

  // category writes "event:01" as "事件 01": a kind, when there is one, and the code.
  function category(c) {
    var i = c.indexOf(":");
    if (i < 0) {
      return c;
    }
    var kind = c.slice(0, i) === "event" ? el.dataset.labelKindEvent : el.dataset.labelKindComponent;
    return kind + " " + c.slice(i + 1);
  }

  // area is the rough size of a feature's box, enough to draw the small over the large.
  function area(f) {
    var b = L.geoJSON(f).getBounds();
    return (b.getEast() - b.getWest()) * (b.getNorth() - b.getSouth());
  }
})();
