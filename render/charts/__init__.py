"""Pure Altair chart builders (data -> chart, plus a text alternative), one module per
chart family; shared by the app pages and the HTML reports. See :mod:`render.charts.base`."""
