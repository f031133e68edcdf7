-- One row per (origin airport, day) with the day's traffic, delay and anomaly verdict.
CREATE TABLE daily_airport_delays (
    airport                  text             NOT NULL CHECK (airport ~ '^[A-Z0-9]{3}$'),
    flight_date              date             NOT NULL,
    year                     smallint         NOT NULL,
    flights                  integer          NOT NULL,  -- scheduled departures (rows in the file)
    cancelled                integer          NOT NULL,
    diverted                 integer          NOT NULL,
    departed                 integer          NOT NULL,  -- flights with a DEP_DELAY
    avg_dep_delay            double precision,           -- minutes, over departed flights; NULL if none
    share_delayed_15         double precision,           -- share of departed flights 15+ min late
    is_anomaly               boolean          NOT NULL,
    anomaly_signal           text CHECK (anomaly_signal IN ('delay', 'cancellations', 'both')),
    delay_score              double precision,
    expected_dep_delay       double precision,
    cancellation_score       double precision,
    expected_cancelled_share double precision,
    judged                   boolean          NOT NULL,  -- false: too little data at this airport
    detector                 text             NOT NULL,
    PRIMARY KEY (airport, flight_date),
    CHECK (extract(year FROM flight_date) = year)
);
CREATE INDEX daily_airport_delays_year ON daily_airport_delays (year);

-- One row per loaded year: what the last successful load wrote.
CREATE TABLE yearly_loads (
    year      smallint    PRIMARY KEY,
    rows      integer     NOT NULL,
    airports  integer     NOT NULL,
    anomalies integer     NOT NULL,
    source    text        NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);
