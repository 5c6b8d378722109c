# analyzer: ICU resolves wall-clock times in the contact's zone (local_time.c);
# libphonenumber (C++, wrapped in phone_e164.cc) validates spoken numbers.
analyzer_PKGS := icu-i18n icu-uc
analyzer_LIBS := -lphonenumber
analyzer_BENCHES := analyzer
