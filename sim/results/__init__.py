"""Reading a results folder: batch statistics with confidence intervals, figures, the
HTML report and the replayed cascade tree."""
