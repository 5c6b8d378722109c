# lead-ingest: libcsv reads the CSV files; libphonenumber (C++, behind
# phone.cc) and its geocoder check and place the numbers, and need ICU.
lead-ingest_LIBS := -lcsv -lgeocoding -lphonenumber -licui18n -licuuc
lead-ingest_BENCHES := ingest
