"""The sample ledger history, generated in steps (run by scripts/generate_sample_data.py):

  story        the seed article's figures and dates (the targets every step reads)
  districts    the ten districts: sizes, streets, names
  schedule     which ledgers exist: report dates per district and batch
  geography    points inside the district polygons
  communities  step 1: the communities and their static attributes
  timelines    step 2: planned and actual node dates
  investment   step 3: completed investment curves, solved to the article's figures
  model        the three steps in order, and what a ledger shows on a date (snapshot, as_of, story)
  styles       step 4: each district's file style
  sheets       step 5: the cell grid of one ledger
  writers      step 6: xlsx / csv files, byte-for-byte reproducible; generate() runs it all

One random generator (story.SEED) is drawn from in a fixed order (communities, then timelines), so the files are
byte-identical from run to run; moving a draw from one step to another changes every file after it.
"""
