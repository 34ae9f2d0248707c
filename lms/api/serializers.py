"""Models as JSON-ready dictionaries (what the API promises, nothing more)."""


def serialize_hospital(hospital):
    if hospital is None:
        return None
    province = hospital.province
    return {
        "id": hospital.id,
        "code": hospital.code,
        "name_zh": hospital.name_zh,
        "name_en": hospital.name_en,
        "tier": hospital.tier.value,
        "province_code": hospital.province_code,
        "province": province.name_zh if province else "",
        "city": hospital.city,
    }


def serialize_user(user):
    return {
        "id": user.id,
        "login": user.login,
        "name": user.name,
        "role": user.role.value,
        "profession": user.profession.value,
        "professional_title": user.professional_title,
        "hospital": serialize_hospital(user.hospital),
    }
