"""Matplotlib figures (functions return a Figure; library code never calls plt.show)."""
