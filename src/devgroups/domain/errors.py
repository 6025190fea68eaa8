"""Every error a client of devgroups can see, each with its Hekr code.

The codes are the ones of Hekr's error table where one fits; where none does, a new
code follows the table's numbering (6400026 and up, beside 6400007/6400008 for folders).
Which HTTP status each one answers with lives in one place: ``devgroups.http.errors``.

HekrError
 +-- InvalidParam              6400017  a request field is missing, empty, too long or mistyped
 |    +-- DevTidEmpty          5400017  devTid missing or empty
 +-- MalformedBody             6400024  the body is not JSON, not UTF-8 or not an object/list
 +-- BodyTooLarge              6400031  the body is over the server's size limit
 +-- AuthError
 |    +-- MissingToken         3400014  no ``Authorization: Bearer`` header
 |    +-- InvalidToken         3400015  bad signature, wrong algorithm, expired, unknown user
 |    +-- BadCredentials       3400001  wrong username or password
 +-- DeviceNotFound            6400004  no device with that devTid
 +-- DeviceNotOwned            5400014  the device is not bound to the caller
 +-- NoPrivilege               6400016  wrong ctrlKey for the device
 +-- GroupNotFound             6400026  no such group of the caller (also: another user's group)
 +-- GroupLimitReached         6400027  the caller already has 10 groups
 +-- GroupFull                 6400028  the group would hold more than 512 devices
 +-- MixedProducts             6400029  the devices are not all of the group's product (mid)
 +-- GroupWouldBeEmpty         6400030  removing these devices would leave the group empty
 +-- BindKeyWrong              5400012  wrong bindKey when binding a device
 +-- AlreadyBound              5400013  the device is bound to the caller already
 +-- BoundToAnother            5400043  the device is bound to another user
 +-- ProductExists             6400034  the mid is registered with another key (command line only)
 +-- RateLimited               400016   more group commands a second than the user may send
 +-- IdempotencyKeyReused      6400035  an Idempotency-Key sent again with another request
 +-- CommandInProgress         6400036  the command of that Idempotency-Key is still running
 +-- CommandNotFound           6400037  no such command of the group
 +-- UserExists                6400032  the username is taken (command line only)
 +-- DeviceExists              6400033  the devTid is registered already (command line only)
 +-- UnknownUser               5400039  no account of that name (command line only)
 +-- NotFound                  5400000  no such path
 +-- MethodNotAllowed          5400000  the path does not take that method
 +-- InternalError             5500000  anything unexpected; details go to the log only
"""

from __future__ import annotations


class HekrError(Exception):
    """An error with a Hekr code and a description fit to show the caller."""

    code: int = 5400000
    desc: str = "Error"

    def __init__(self, desc: str | None = None) -> None:
        if desc is not None:
            self.desc = desc
        super().__init__(self.desc)


class InvalidParam(HekrError):
    code = 6400017

    def __init__(self, param: str, reason: str = "") -> None:
        self.param = param
        super().__init__(f"Invalid Param {param}" + (f": {reason}" if reason else ""))


class DevTidEmpty(InvalidParam):
    code = 5400017

    def __init__(self, param: str = "devTid") -> None:
        super().__init__(param, "devTid can not be empty")


class MalformedBody(HekrError):
    code = 6400024
    desc = "Translating Json to String failure"


class BodyTooLarge(HekrError):
    code = 6400031
    desc = "Request body too large"


class AuthError(HekrError):
    pass


class MissingToken(AuthError):
    code = 3400014
    desc = "Authorization header with a Bearer token is required"


class InvalidToken(AuthError):
    code = 3400015
    desc = "Invalid token"


class BadCredentials(AuthError):
    code = 3400001
    desc = "Username or password is wrong"


class DeviceNotFound(HekrError):
    code = 6400004
    desc = "Device with given devTid does not exist"


class DeviceNotOwned(HekrError):
    code = 5400014
    desc = "Device does not belong to user"


class NoPrivilege(HekrError):
    code = 6400016
    desc = "Has no privilege do that"


class GroupNotFound(HekrError):
    code = 6400026
    desc = "Group with given id does not exist"


class GroupLimitReached(HekrError):
    code = 6400027
    desc = "Reached the maximum number of groups the user can create"


class GroupFull(HekrError):
    code = 6400028
    desc = "Reached the maximum number of devices the group can hold"


class MixedProducts(HekrError):
    code = 6400029
    desc = "All devices of a group must be of the same product (mid)"


class GroupWouldBeEmpty(HekrError):
    code = 6400030
    desc = "A group must keep at least one device; delete the group instead"


class BindKeyWrong(HekrError):
    code = 5400012
    desc = "Bind failed due to internal error"


class AlreadyBound(HekrError):
    code = 5400013
    desc = "Bind failed due to repeat bind"


class BoundToAnother(HekrError):
    code = 5400043
    desc = "Device can not force bind"


class ProductExists(HekrError):
    code = 6400034
    desc = "Product already exists with another key"


class RateLimited(HekrError):
    code = 400016
    desc = "Rate limit exceeded"


class IdempotencyKeyReused(HekrError):
    code = 6400035
    desc = "Idempotency-Key was used with another request"


class CommandInProgress(HekrError):
    code = 6400036
    desc = "The command of this Idempotency-Key is still running"


class CommandNotFound(HekrError):
    code = 6400037
    desc = "Command with given id does not exist"


class UserExists(HekrError):
    code = 6400032
    desc = "User already exists"


class DeviceExists(HekrError):
    code = 6400033
    desc = "Device already exists"


class UnknownUser(HekrError):
    code = 5400039
    desc = "User does not exist"


class NotFound(HekrError):
    code = 5400000
    desc = "Not Found"


class MethodNotAllowed(HekrError):
    code = 5400000
    desc = "Method Not Allowed"


class InternalError(HekrError):
    code = 5500000
    desc = "Internal error"
