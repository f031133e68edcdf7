-- Why a flagged day was abnormal (issue 15): the day's delay causes on its row, a one-line
-- explanation for dashboards, and one row per flagged day in anomaly_explanations.
-- Rows loaded before this migration read "no cause data" (cause_reported 0) until their year is
-- loaded again.
ALTER TABLE daily_airport_delays
    ADD COLUMN cause_reported            integer NOT NULL DEFAULT 0 CHECK (cause_reported >= 0),
    -- minutes by cause over the day's flights that reported causes; NULL when none did
    ADD COLUMN carrier_delay_minutes       double precision CHECK (carrier_delay_minutes >= 0),
    ADD COLUMN weather_delay_minutes       double precision CHECK (weather_delay_minutes >= 0),
    ADD COLUMN nas_delay_minutes           double precision CHECK (nas_delay_minutes >= 0),
    ADD COLUMN security_delay_minutes      double precision CHECK (security_delay_minutes >= 0),
    ADD COLUMN late_aircraft_delay_minutes double precision CHECK (late_aircraft_delay_minutes >= 0),
    -- cancelled flights by CANCELLATION_CODE: A carrier, B weather, C nas, D security
    ADD COLUMN cancelled_carrier  integer NOT NULL DEFAULT 0 CHECK (cancelled_carrier >= 0),
    ADD COLUMN cancelled_weather  integer NOT NULL DEFAULT 0 CHECK (cancelled_weather >= 0),
    ADD COLUMN cancelled_nas      integer NOT NULL DEFAULT 0 CHECK (cancelled_nas >= 0),
    ADD COLUMN cancelled_security integer NOT NULL DEFAULT 0 CHECK (cancelled_security >= 0),
    -- flagged days only: the cause most above its usual share (NULL: not flagged, no cause data)
    ADD COLUMN dominant_cause text
        CHECK (dominant_cause IN ('carrier', 'weather', 'nas', 'security', 'late_aircraft')),
    ADD COLUMN explanation    text,  -- flagged days only: "weather 61% of delay minutes vs …"
    ADD CHECK (explanation IS NULL OR is_anomaly);

-- One row per flagged (airport, day): each cause's share of the day's delay minutes and its
-- usual share at the airport, the leading cancellation code and the carriers over-represented.
CREATE TABLE anomaly_explanations (
    airport                   text             NOT NULL,
    flight_date               date             NOT NULL,
    year                      smallint         NOT NULL,
    dominant_cause            text
        CHECK (dominant_cause IN ('carrier', 'weather', 'nas', 'security', 'late_aircraft')),
    carrier_share             double precision CHECK (carrier_share BETWEEN 0 AND 1),
    weather_share             double precision CHECK (weather_share BETWEEN 0 AND 1),
    nas_share                 double precision CHECK (nas_share BETWEEN 0 AND 1),
    security_share            double precision CHECK (security_share BETWEEN 0 AND 1),
    late_aircraft_share       double precision CHECK (late_aircraft_share BETWEEN 0 AND 1),
    carrier_usual_share       double precision CHECK (carrier_usual_share BETWEEN 0 AND 1),
    weather_usual_share       double precision CHECK (weather_usual_share BETWEEN 0 AND 1),
    nas_usual_share           double precision CHECK (nas_usual_share BETWEEN 0 AND 1),
    security_usual_share      double precision CHECK (security_usual_share BETWEEN 0 AND 1),
    late_aircraft_usual_share double precision CHECK (late_aircraft_usual_share BETWEEN 0 AND 1),
    top_cancellation_cause    text
        CHECK (top_cancellation_cause IN ('carrier', 'weather', 'nas', 'security')),
    top_cancellation_share    double precision CHECK (top_cancellation_share BETWEEN 0 AND 1),
    top_carrier               text CHECK (top_carrier ~ '^[A-Z0-9]{2}$'),
    top_carrier_share         double precision CHECK (top_carrier_share BETWEEN 0 AND 1),
    top_carrier_usual_share   double precision CHECK (top_carrier_usual_share BETWEEN 0 AND 1),
    top_carriers              text,
    explanation               text             NOT NULL,
    PRIMARY KEY (airport, flight_date),
    -- an explanation is of a loaded day; a load deletes a year's explanations before its rows
    FOREIGN KEY (airport, flight_date) REFERENCES daily_airport_delays (airport, flight_date),
    CHECK (extract(year FROM flight_date) = year)
);
CREATE INDEX anomaly_explanations_year ON anomaly_explanations (year);

ALTER TABLE yearly_loads ADD COLUMN explanations integer NOT NULL DEFAULT 0;

-- Whoever may read the day's rows (the dashboard's read-only role) may read their explanations.
DO $$
DECLARE
    reader text;
BEGIN
    FOR reader IN
        SELECT DISTINCT r.rolname
        FROM pg_class c, aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.oid = 'daily_airport_delays'::regclass
          AND a.privilege_type = 'SELECT' AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('GRANT SELECT ON anomaly_explanations TO %I', reader);
    END LOOP;
END
$$;
