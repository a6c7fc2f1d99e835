"""Reading, validating and storing ledgers.

Text columns are pandas' "string" dtype stored in pyarrow arrays (set here, before any frame is made, because
every entry point imports this package): st.cache_data pickles every result it keeps and unpickles it on every
read, and a 280,000-row ledger with its text in Python objects took 1.3 s to pickle and 0.3 s to unpickle, with
pyarrow storage 0.2 s and 0.03 s (bench/bench_pages.py).
"""
import pandas as pd

pd.set_option("mode.string_storage", "pyarrow")
