# assistants: extra libraries (assistants_LIBS, assistants_PKGS); nothing beyond liboc is needed yet.
