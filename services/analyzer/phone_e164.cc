/*
 * libphonenumber behind phone_e164.h. PhoneNumberUtil is a process-wide
 * singleton that is safe to use from several threads once created.
 */
#include <cstring>
#include <string>

#include <phonenumbers/phonenumberutil.h>

#include "phone_e164.h"

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

extern "C" bool phone_e164_normalize(const char *digits, const char *country, char *out,
                                     size_t cap)
{
    if (!digits || !*digits || !country || std::strlen(country) != 2)
        return false;
    const PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    if (util->Parse(digits, country, &number) != PhoneNumberUtil::NO_PARSING_ERROR)
        return false;
    if (!util->IsValidNumber(number))
        return false;
    std::string e164;
    util->Format(number, PhoneNumberUtil::E164, &e164);
    if (e164.size() + 1 > cap)
        return false;
    std::memcpy(out, e164.c_str(), e164.size() + 1);
    return true;
}
