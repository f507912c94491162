// Draws the dashboard's charts with uPlot from the figures the page embeds (#dashboard-data). Served from 'self'
// (the CSP allows no inline script). Each chart is kept on window.paperboyCharts, so a test can read what it drew.
(() => {
  const data = JSON.parse(document.getElementById('dashboard-data').textContent);
  const charts = {};
  window.paperboyCharts = charts;
  const daySeconds = (day) => Date.parse(`${day}T00:00:00Z`) / 1000;
  const colours = { confirmed: '#2e7d32', pending: '#f9a825', unsubscribed: '#757575', suppressed: '#c62828', open: '#90a4ae' };
  const widthOf = (element) => Math.max(280, element.clientWidth);
  // Bars and counts start at zero, whatever the smallest value.
  const fromZero = (_, __, max) => [0, Math.max(1, max ?? 0)];

  function draw(name, options, values) {
    const element = document.getElementById(`chart-${name}`);
    const chart = new uPlot(
      { width: widthOf(element), height: 220, legend: { live: false }, ...options, hooks: { draw: [(self) => (self.drawn = true)] } },
      values,
      element,
    );
    charts[name] = chart;
  }

  const readers = data.readers;
  draw(
    'readers',
    {
      series: [
        {},
        ...['confirmed', 'pending', 'unsubscribed', 'suppressed'].map((state) => ({ label: state, stroke: colours[state], width: 2 })),
      ],
    },
    [
      readers.map((day) => daySeconds(day.day)),
      ...['confirmed', 'pending', 'unsubscribed', 'suppressed'].map((state) => readers.map((day) => day[state])),
    ],
  );

  // Stacked bars: each series is drawn as its running total (largest first, so the smaller ones sit in front);
  // the legend shows each outcome's own count.
  const editions = data.editions;
  const outcomes = ['sent', 'failed', 'skipped', 'open'];
  const stacked = outcomes.map((_, index) =>
    editions.map((edition) => outcomes.slice(0, index + 1).reduce((sum, key) => sum + edition[key], 0)),
  );
  const bars = uPlot.paths.bars({ size: [0.6, 60] });
  const outcomeColours = { sent: colours.confirmed, failed: colours.suppressed, skipped: colours.pending, open: colours.open };
  draw(
    'editions',
    {
      scales: { x: { time: false }, y: { range: fromZero }, s: { range: fromZero } },
      axes: [
        { values: (_, ticks) => ticks.map((tick) => editions[tick]?.editionDate.slice(5) ?? '') },
        { label: 'deliveries' },
        { scale: 's', side: 1, label: 'seconds', grid: { show: false } },
      ],
      series: [
        { label: 'edition', value: (_, index) => editions[index]?.editionDate ?? '' },
        ...outcomes
          .map((key) => ({
            label: key,
            fill: outcomeColours[key],
            stroke: outcomeColours[key],
            paths: bars,
            value: (_, __, ___, at) => (at === null ? '' : editions[at][key]),
          }))
          .reverse(),
        { label: 'send time (s)', scale: 's', stroke: '#1565c0', width: 2 },
      ],
    },
    [editions.map((_, index) => index), ...stacked.slice().reverse(), editions.map((edition) => edition.sendSeconds)],
  );

  const reports = data.reports;
  draw(
    'reports',
    {
      scales: { y: { range: fromZero }, rate: { range: (_, __, max) => [0, Math.max(max ?? 0, data.complaintRateLimit * 100) * 1.2] } },
      axes: [{}, { label: 'reports' }, { scale: 'rate', side: 1, label: 'complaint %', grid: { show: false } }],
      series: [
        {},
        { label: 'bounces', fill: colours.pending, stroke: colours.pending, paths: uPlot.paths.bars({ size: [0.4, 30], align: -1 }) },
        {
          label: 'complaints',
          fill: colours.suppressed,
          stroke: colours.suppressed,
          paths: uPlot.paths.bars({ size: [0.4, 30], align: 1 }),
        },
        { label: 'complaint %', scale: 'rate', stroke: '#6a1b9a', width: 2 },
        { label: 'limit 0.3 %', scale: 'rate', stroke: '#c62828', dash: [6, 4], width: 1, points: { show: false } },
      ],
    },
    [
      reports.map((day) => daySeconds(day.day)),
      reports.map((day) => day.bounces),
      reports.map((day) => day.complaints),
      reports.map((day) => day.complaintRate * 100),
      reports.map(() => data.complaintRateLimit * 100),
    ],
  );

  addEventListener('resize', () => {
    for (const [name, chart] of Object.entries(charts))
      chart.setSize({ width: widthOf(document.getElementById(`chart-${name}`)), height: 220 });
  });
})();
