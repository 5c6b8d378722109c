# calendar: extra libraries (calendar_LIBS, calendar_PKGS); nothing beyond liboc is needed yet.
