# dialer: sofia-sip places the calls (SIP user agent, nua).
dialer_PKGS := sofia-sip-ua
