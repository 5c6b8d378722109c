# billing: extra libraries (billing_LIBS, billing_PKGS); nothing beyond liboc is needed yet.
