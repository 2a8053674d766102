// The case pages' maps (no inline script: the CSP forbids it). Each map is configured by
// data attributes:
//   #case-map   one case's pin (data-lon, data-lat) over the grid cells
//   #pick-map   the report form: the browser's position or a tapped point fills #lon/#lat
//   #cases-map  the open cases in scope as coloured markers over the grid cells
(function () {
  "use strict";
  // A work list links to a move's button (#do-handle): open its form.
  var target = location.hash && document.getElementById(location.hash.slice(1));
  if (target && target.closest) {
    var box = target.closest("details");
    if (box) {
      box.open = true;
      box.scrollIntoView();
    }
  }
  if (!window.L) {
    return;
  }
  var home = [33.745, 113.192];

  function base(el) {
    var map = L.map(el, { zoomSnap: 0.25 });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  // cells draws the grid cells under the markers, when the page may read them.
  function cells(el, map, fit) {
    if (!el.dataset.cells) {
      return Promise.resolve(null);
    }
    return fetch(el.dataset.cells, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (resp) {
        if (!resp.ok) {
          throw new Error(resp.status);
        }
        return resp.json();
      })
      .then(function (fc) {
        var layer = L.geoJSON(fc, {
          interactive: false,
          style: function () {
            return { color: "#0b5cad", weight: 1, fillColor: "#7fb2e5", fillOpacity: 0.12 };
          },
        }).addTo(map);
        layer.bringToBack();
        if (fit) {
          map.fitBounds(layer.getBounds());
        }
        return layer;
      })
      .catch(function () {
        return null;
      });
  }

  function pin(map, lat, lon) {
    return L.circleMarker([lat, lon], { radius: 9, color: "#fff", weight: 2, fillColor: "#b42318", fillOpacity: 1 }).addTo(map);
  }

  // One case's place.
  var one = document.getElementById("case-map");
  if (one) {
    var lat = parseFloat(one.dataset.lat), lon = parseFloat(one.dataset.lon);
    var m1 = base(one);
    m1.setView([lat, lon], 16);
    cells(one, m1, false).then(function () {
      pin(m1, lat, lon).bringToFront();
      one.dataset.ready = "1";
    });
  }

  // The report form's place.
  var pick = document.getElementById("pick-map");
  if (pick) {
    var lonIn = document.getElementById("lon"), latIn = document.getElementById("lat");
    var status = document.getElementById("locate-status");
    var m2 = base(pick);
    var marker = null;
    // set moves the pin; write also fills the inputs (not when they moved it).
    var set = function (la, lo, note, write) {
      if (write) {
        latIn.value = la.toFixed(6);
        lonIn.value = lo.toFixed(6);
      }
      if (marker) {
        marker.setLatLng([la, lo]);
      } else {
        marker = pin(m2, la, lo);
      }
      if (note) {
        status.textContent = note + " " + lonIn.value + ", " + latIn.value;
      }
    };
    var fromInputs = function () {
      var la = parseFloat(latIn.value), lo = parseFloat(lonIn.value);
      if (!isNaN(la) && !isNaN(lo)) {
        set(la, lo, "", false);
        m2.setView([la, lo], 16);
        return true;
      }
      return false;
    };
    m2.setView(home, 13);
    cells(pick, m2, !lonIn.value).then(function () {
      if (marker) {
        marker.bringToFront();
      }
    });
    fromInputs();
    lonIn.addEventListener("change", fromInputs);
    latIn.addEventListener("change", fromInputs);
    m2.on("click", function (e) {
      set(e.latlng.lat, e.latlng.lng, pick.dataset.picked, true);
    });
    var btn = document.getElementById("locate");
    if (btn && navigator.geolocation) {
      btn.hidden = false;
      var locate = function () {
        navigator.geolocation.getCurrentPosition(
          function (pos) {
            set(pos.coords.latitude, pos.coords.longitude, pick.dataset.located, true);
            m2.setView([pos.coords.latitude, pos.coords.longitude], 17);
          },
          function () {
            status.textContent = pick.dataset.locateFailed;
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      };
      btn.addEventListener("click", locate);
      // An inspector reports where he stands: ask at once, unless the form
      // comes back with a place already.
      if (pick.dataset.autolocate === "1" && !lonIn.value) {
        locate();
      }
    }
  }

  // The open cases.
  var all = document.getElementById("cases-map");
  if (all) {
    var m3 = base(all);
    var mstatus = document.getElementById("map-status");
    m3.setView(home, 13);
    var colour = function (c) {
      if (c.overdue) {
        return "#b42318";
      }
      if (c.warn >= 2) {
        return "#d97706";
      }
      switch (c.state) {
        case "dispatched":
        case "rework":
          return "#0b5cad";
        case "handled":
        case "verified":
          return "#1c7c3c";
        case "held":
          return "#5b6670";
      }
      return "#7c3aed";
    };
    var q = new URLSearchParams();
    if (all.dataset.state) {
      q.set("state", all.dataset.state);
    }
    if (all.dataset.category) {
      q.set("category", all.dataset.category);
    }
    cells(all, m3, true)
      .then(function () {
        return fetch(all.dataset.cases + "?" + q.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } });
      })
      .then(function (resp) {
        if (!resp.ok) {
          throw new Error(resp.status);
        }
        return resp.json();
      })
      .then(function (data) {
        data.cases.forEach(function (c) {
          var a = document.createElement("a");
          a.href = "/cases/" + encodeURIComponent(c.id);
          a.textContent = c.number;
          var box = document.createElement("div");
          box.appendChild(a);
          box.appendChild(document.createTextNode(" " + c.label + (c.overdue ? " · " + all.dataset.labelOverdue : "") + " · " + c.category));
          L.circleMarker([c.lat, c.lon], { radius: 8, color: "#fff", weight: 2, fillColor: colour(c), fillOpacity: 0.95 })
            .bindPopup(box)
            .addTo(m3);
        });
        mstatus.textContent = data.cases.length + " " + all.dataset.shown;
        all.dataset.casesShown = String(data.cases.length);
      })
      .catch(function () {
        mstatus.textContent = all.dataset.error;
        all.dataset.casesShown = "error";
      });
  }
})();
