"""Codes of the device and app channels (Hekr's 1400xxx family; 200 is success).

Hekr's own: 1400001 JSON parse error, 1400002 token invalid, 1400012 device does not
belong to user, 1400016 action not supported, 1400018 device not online, 1400019 app not
logged in. devgroups' own, in the same family: the rest.
"""

OK = 200
JSON_PARSE_ERROR = 1400001
TOKEN_INVALID = 1400002
LINE_TOO_LONG = 1400003
LOGIN_FAILED = 1400010
NOT_LOGGED_IN = 1400011
NOT_YOUR_DEVICE = 1400012
FLOODING = 1400013
ACTION_NOT_SUPPORTED = 1400016
DEVICE_OFFLINE = 1400018
APP_NOT_LOGGED_IN = 1400019
DEVICE_TIMEOUT = 1400020
DEVICE_GONE = 1400021
INVALID_PARAM = 1400022
