"""Charts: one PNG per airport and year, plus a browsable index of the year, in the lake.

- `series`: a year's detected rows cut into one `AirportYear` (day-indexed arrays) per airport;
- `figure`: the chart itself, drawn on one reused matplotlib figure (`render_chart`: PNG bytes);
- `titles`, `text`, `png`, `airports`: its texts, the fast text and PNG writers, airport names;
- `causes`: the colour and name of each dominant delay cause (charts and index alike);
- `blit`, `tricks`: the fast y axis and legends reused row by row; the switches of the speed tricks;
- `index`: the year's `index.json` and `index.html`;
- `shards`: a year's airports split into the shards that Airflow tasks draw one each;
- `publish`: all of it into the lake, in parallel, with stale charts removed.

Nothing is imported here: matplotlib loads only where a chart is drawn.
"""
