"""The steps of a year, one module each: extract, aggregate, detect, charts, load, export, check.

Each step function takes the settings and the year, reads its inputs from the catalog's stores
and writes its outputs there, and returns a few counts. `flightdelays.pipeline` orders them.
"""
