"""Quality inspection (质检): reviews of recorded calls and the cases behind them."""
