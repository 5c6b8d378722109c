# media: espeak-ng (text-to-speech), pocketsphinx (speech-to-text),
# speexdsp (resampling). libsrtp2 arrives with SRTP.
media_PKGS := pocketsphinx speexdsp
media_LIBS := -lespeak-ng
