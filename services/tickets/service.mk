# tickets: extra libraries (tickets_LIBS, tickets_PKGS); nothing beyond liboc is needed yet.
