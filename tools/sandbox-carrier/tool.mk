# The sandbox carrier reuses pure parts of two services: G.711, RTP, VAD and
# espeak-ng synthesis from media, the SDP reader and writer from dialer.
sandbox-carrier_WITH := media dialer
sandbox-carrier_PKGS := sofia-sip-ua
