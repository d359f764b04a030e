// The object type template catalogue as data. Each entry is a GetProfileObjectTypeTemplateResponse
// written from the source's public record layout:
//   - Salesforce Account and Contact: the standard sObject fields (Id, Name, AccountNumber, Phone,
//     Billing*/Shipping*/Mailing* compound address parts, LastModifiedDate, ...);
//   - Zendesk users: the Users API record (id, name, email, phone, external_id, updated_at, ...);
//   - ServiceNow sys_user: the sys_user table columns (sys_id, user_name, first_name, ...);
//   - Marketo leads: the Lead REST API fields (id, firstName, lastName, email, phone, ...);
//   - Shopify customer and order: the Admin REST API resources (customer with default_address;
//     order with customer, billing_address, shipping_address).
// Every key's FieldNames name fields of the same template, and each template has exactly one
// UNIQUE key (tests/service/object_template_test.cc checks both).
#include <string_view>
#include <vector>

#include "service/object_template.h"

namespace profiled::service {
namespace {

constexpr std::string_view kSalesforceAccount = R"json({
  "TemplateId": "Salesforce-Account",
  "SourceName": "Salesforce",
  "SourceObject": "Account",
  "AllowProfileCreation": true,
  "SourceLastUpdatedTimestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
  "Fields": {
    "Id": {"Source": "_source.Id", "Target": "_profile.Attributes.sfdcAccountId", "ContentType": "STRING"},
    "Name": {"Source": "_source.Name", "Target": "_profile.BusinessName", "ContentType": "NAME"},
    "AccountNumber": {"Source": "_source.AccountNumber", "Target": "_profile.AccountNumber", "ContentType": "STRING"},
    "Phone": {"Source": "_source.Phone", "Target": "_profile.BusinessPhoneNumber", "ContentType": "PHONE_NUMBER"},
    "Website": {"Source": "_source.Website", "Target": "_profile.Attributes.Website", "ContentType": "STRING"},
    "Industry": {"Source": "_source.Industry", "Target": "_profile.Attributes.Industry", "ContentType": "STRING"},
    "Description": {"Source": "_source.Description", "Target": "_profile.AdditionalInformation", "ContentType": "STRING"},
    "BillingStreet": {"Source": "_source.BillingStreet", "Target": "_profile.BillingAddress.Address1", "ContentType": "STRING"},
    "BillingCity": {"Source": "_source.BillingCity", "Target": "_profile.BillingAddress.City", "ContentType": "STRING"},
    "BillingState": {"Source": "_source.BillingState", "Target": "_profile.BillingAddress.State", "ContentType": "STRING"},
    "BillingPostalCode": {"Source": "_source.BillingPostalCode", "Target": "_profile.BillingAddress.PostalCode", "ContentType": "STRING"},
    "BillingCountry": {"Source": "_source.BillingCountry", "Target": "_profile.BillingAddress.Country", "ContentType": "STRING"},
    "ShippingStreet": {"Source": "_source.ShippingStreet", "Target": "_profile.ShippingAddress.Address1", "ContentType": "STRING"},
    "ShippingCity": {"Source": "_source.ShippingCity", "Target": "_profile.ShippingAddress.City", "ContentType": "STRING"},
    "ShippingState": {"Source": "_source.ShippingState", "Target": "_profile.ShippingAddress.State", "ContentType": "STRING"},
    "ShippingPostalCode": {"Source": "_source.ShippingPostalCode", "Target": "_profile.ShippingAddress.PostalCode", "ContentType": "STRING"},
    "ShippingCountry": {"Source": "_source.ShippingCountry", "Target": "_profile.ShippingAddress.Country", "ContentType": "STRING"},
    "LastModifiedDate": {"Source": "_source.LastModifiedDate", "ContentType": "STRING"}
  },
  "Keys": {
    "_salesforceAccountId": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["Id"]}],
    "_account": [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["AccountNumber"]}]
  }
})json";

constexpr std::string_view kSalesforceContact = R"json({
  "TemplateId": "Salesforce-Contact",
  "SourceName": "Salesforce",
  "SourceObject": "Contact",
  "AllowProfileCreation": true,
  "SourceLastUpdatedTimestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
  "Fields": {
    "Id": {"Source": "_source.Id", "Target": "_profile.Attributes.sfdcContactId", "ContentType": "STRING"},
    "AccountId": {"Source": "_source.AccountId", "Target": "_profile.Attributes.sfdcAccountId", "ContentType": "STRING"},
    "FirstName": {"Source": "_source.FirstName", "Target": "_profile.FirstName", "ContentType": "NAME"},
    "MiddleName": {"Source": "_source.MiddleName", "Target": "_profile.MiddleName", "ContentType": "NAME"},
    "LastName": {"Source": "_source.LastName", "Target": "_profile.LastName", "ContentType": "NAME"},
    "Email": {"Source": "_source.Email", "Target": "_profile.EmailAddress", "ContentType": "EMAIL_ADDRESS"},
    "Phone": {"Source": "_source.Phone", "Target": "_profile.PhoneNumber", "ContentType": "PHONE_NUMBER"},
    "MobilePhone": {"Source": "_source.MobilePhone", "Target": "_profile.MobilePhoneNumber", "ContentType": "PHONE_NUMBER"},
    "HomePhone": {"Source": "_source.HomePhone", "Target": "_profile.HomePhoneNumber", "ContentType": "PHONE_NUMBER"},
    "Birthdate": {"Source": "_source.Birthdate", "Target": "_profile.BirthDate", "ContentType": "STRING"},
    "Title": {"Source": "_source.Title", "Target": "_profile.Attributes.Title", "ContentType": "STRING"},
    "MailingStreet": {"Source": "_source.MailingStreet", "Target": "_profile.MailingAddress.Address1", "ContentType": "STRING"},
    "MailingCity": {"Source": "_source.MailingCity", "Target": "_profile.MailingAddress.City", "ContentType": "STRING"},
    "MailingState": {"Source": "_source.MailingState", "Target": "_profile.MailingAddress.State", "ContentType": "STRING"},
    "MailingPostalCode": {"Source": "_source.MailingPostalCode", "Target": "_profile.MailingAddress.PostalCode", "ContentType": "STRING"},
    "MailingCountry": {"Source": "_source.MailingCountry", "Target": "_profile.MailingAddress.Country", "ContentType": "STRING"},
    "LastModifiedDate": {"Source": "_source.LastModifiedDate", "ContentType": "STRING"}
  },
  "Keys": {
    "_salesforceContactId": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["Id"]}],
    "_salesforceAccountId": [{"StandardIdentifiers": [], "FieldNames": ["AccountId"]}]
  }
})json";

constexpr std::string_view kZendeskUsers = R"json({
  "TemplateId": "Zendesk-users",
  "SourceName": "Zendesk",
  "SourceObject": "users",
  "AllowProfileCreation": true,
  "SourceLastUpdatedTimestampFormat": "yyyy-MM-dd'T'HH:mm:ss'Z'",
  "Fields": {
    "id": {"Source": "_source.id", "Target": "_profile.Attributes.zendeskUserId", "ContentType": "NUMBER"},
    "name": {"Source": "_source.name", "Target": "_profile.FirstName", "ContentType": "NAME"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress", "ContentType": "EMAIL_ADDRESS"},
    "phone": {"Source": "_source.phone", "Target": "_profile.PhoneNumber", "ContentType": "PHONE_NUMBER"},
    "external_id": {"Source": "_source.external_id", "Target": "_profile.AccountNumber", "ContentType": "STRING"},
    "organization_id": {"Source": "_source.organization_id", "Target": "_profile.Attributes.zendeskOrganizationId", "ContentType": "NUMBER"},
    "time_zone": {"Source": "_source.time_zone", "Target": "_profile.Attributes.timeZone", "ContentType": "STRING"},
    "locale": {"Source": "_source.locale", "Target": "_profile.Attributes.locale", "ContentType": "STRING"},
    "notes": {"Source": "_source.notes", "Target": "_profile.AdditionalInformation", "ContentType": "STRING"},
    "updated_at": {"Source": "_source.updated_at", "ContentType": "STRING"}
  },
  "Keys": {
    "_zendeskUserId": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["id"]}],
    "_zendeskExternalId": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["external_id"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["email"]}]
  }
})json";

constexpr std::string_view kServiceNowSysUser = R"json({
  "TemplateId": "ServiceNow-sys_user",
  "SourceName": "ServiceNow",
  "SourceObject": "sys_user",
  "AllowProfileCreation": true,
  "SourceLastUpdatedTimestampFormat": "yyyy-MM-dd HH:mm:ss",
  "Fields": {
    "sys_id": {"Source": "_source.sys_id", "Target": "_profile.Attributes.serviceNowSysId", "ContentType": "STRING"},
    "user_name": {"Source": "_source.user_name", "Target": "_profile.AccountNumber", "ContentType": "STRING"},
    "first_name": {"Source": "_source.first_name", "Target": "_profile.FirstName", "ContentType": "NAME"},
    "middle_name": {"Source": "_source.middle_name", "Target": "_profile.MiddleName", "ContentType": "NAME"},
    "last_name": {"Source": "_source.last_name", "Target": "_profile.LastName", "ContentType": "NAME"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress", "ContentType": "EMAIL_ADDRESS"},
    "phone": {"Source": "_source.phone", "Target": "_profile.BusinessPhoneNumber", "ContentType": "PHONE_NUMBER"},
    "mobile_phone": {"Source": "_source.mobile_phone", "Target": "_profile.MobilePhoneNumber", "ContentType": "PHONE_NUMBER"},
    "home_phone": {"Source": "_source.home_phone", "Target": "_profile.HomePhoneNumber", "ContentType": "PHONE_NUMBER"},
    "gender": {"Source": "_source.gender", "Target": "_profile.GenderString", "ContentType": "STRING"},
    "title": {"Source": "_source.title", "Target": "_profile.Attributes.title", "ContentType": "STRING"},
    "street": {"Source": "_source.street", "Target": "_profile.Address.Address1", "ContentType": "STRING"},
    "city": {"Source": "_source.city", "Target": "_profile.Address.City", "ContentType": "STRING"},
    "state": {"Source": "_source.state", "Target": "_profile.Address.State", "ContentType": "STRING"},
    "zip": {"Source": "_source.zip", "Target": "_profile.Address.PostalCode", "ContentType": "STRING"},
    "country": {"Source": "_source.country", "Target": "_profile.Address.Country", "ContentType": "STRING"},
    "sys_updated_on": {"Source": "_source.sys_updated_on", "ContentType": "STRING"}
  },
  "Keys": {
    "_serviceNowSystemId": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["sys_id"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["email"]}]
  }
})json";

constexpr std::string_view kMarketoLeads = R"json({
  "TemplateId": "Marketo-leads",
  "SourceName": "Marketo",
  "SourceObject": "leads",
  "AllowProfileCreation": true,
  "SourceLastUpdatedTimestampFormat": "yyyy-MM-dd'T'HH:mm:ss'Z'",
  "Fields": {
    "id": {"Source": "_source.id", "Target": "_profile.Attributes.marketoLeadId", "ContentType": "NUMBER"},
    "firstName": {"Source": "_source.firstName", "Target": "_profile.FirstName", "ContentType": "NAME"},
    "middleName": {"Source": "_source.middleName", "Target": "_profile.MiddleName", "ContentType": "NAME"},
    "lastName": {"Source": "_source.lastName", "Target": "_profile.LastName", "ContentType": "NAME"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress", "ContentType": "EMAIL_ADDRESS"},
    "phone": {"Source": "_source.phone", "Target": "_profile.PhoneNumber", "ContentType": "PHONE_NUMBER"},
    "mobilePhone": {"Source": "_source.mobilePhone", "Target": "_profile.MobilePhoneNumber", "ContentType": "PHONE_NUMBER"},
    "company": {"Source": "_source.company", "Target": "_profile.BusinessName", "ContentType": "STRING"},
    "dateOfBirth": {"Source": "_source.dateOfBirth", "Target": "_profile.BirthDate", "ContentType": "STRING"},
    "address": {"Source": "_source.address", "Target": "_profile.Address.Address1", "ContentType": "STRING"},
    "city": {"Source": "_source.city", "Target": "_profile.Address.City", "ContentType": "STRING"},
    "state": {"Source": "_source.state", "Target": "_profile.Address.State", "ContentType": "STRING"},
    "postalCode": {"Source": "_source.postalCode", "Target": "_profile.Address.PostalCode", "ContentType": "STRING"},
    "country": {"Source": "_source.country", "Target": "_profile.Address.Country", "ContentType": "STRING"},
    "leadSource": {"Source": "_source.leadSource", "Target": "_profile.Attributes.leadSource", "ContentType": "STRING"},
    "updatedAt": {"Source": "_source.updatedAt", "ContentType": "STRING"}
  },
  "Keys": {
    "_marketoLeadId": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["id"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["email"]}]
  }
})json";

constexpr std::string_view kShopifyCustomer = R"json({
  "TemplateId": "Shopify-customers",
  "SourceName": "Shopify",
  "SourceObject": "customers",
  "AllowProfileCreation": true,
  "SourceLastUpdatedTimestampFormat": "yyyy-MM-dd'T'HH:mm:ssXXX",
  "Fields": {
    "id": {"Source": "_source.id", "Target": "_profile.Attributes.shopifyCustomerId", "ContentType": "NUMBER"},
    "first_name": {"Source": "_source.first_name", "Target": "_profile.FirstName", "ContentType": "NAME"},
    "last_name": {"Source": "_source.last_name", "Target": "_profile.LastName", "ContentType": "NAME"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress", "ContentType": "EMAIL_ADDRESS"},
    "phone": {"Source": "_source.phone", "Target": "_profile.PhoneNumber", "ContentType": "PHONE_NUMBER"},
    "note": {"Source": "_source.note", "Target": "_profile.AdditionalInformation", "ContentType": "STRING"},
    "company": {"Source": "_source.default_address.company", "Target": "_profile.BusinessName", "ContentType": "STRING"},
    "address1": {"Source": "_source.default_address.address1", "Target": "_profile.Address.Address1", "ContentType": "STRING"},
    "address2": {"Source": "_source.default_address.address2", "Target": "_profile.Address.Address2", "ContentType": "STRING"},
    "city": {"Source": "_source.default_address.city", "Target": "_profile.Address.City", "ContentType": "STRING"},
    "province": {"Source": "_source.default_address.province", "Target": "_profile.Address.Province", "ContentType": "STRING"},
    "country": {"Source": "_source.default_address.country", "Target": "_profile.Address.Country", "ContentType": "STRING"},
    "zip": {"Source": "_source.default_address.zip", "Target": "_profile.Address.PostalCode", "ContentType": "STRING"},
    "updated_at": {"Source": "_source.updated_at", "ContentType": "STRING"}
  },
  "Keys": {
    "_shopifyCustomerId": [{"StandardIdentifiers": ["PROFILE", "UNIQUE"], "FieldNames": ["id"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["email"]}],
    "_phone": [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["phone"]}]
  }
})json";

constexpr std::string_view kShopifyOrder = R"json({
  "TemplateId": "Shopify-orders",
  "SourceName": "Shopify",
  "SourceObject": "orders",
  "AllowProfileCreation": true,
  "SourceLastUpdatedTimestampFormat": "yyyy-MM-dd'T'HH:mm:ssXXX",
  "Fields": {
    "id": {"Source": "_source.id", "ContentType": "NUMBER"},
    "order_number": {"Source": "_source.order_number", "ContentType": "NUMBER"},
    "customer_id": {"Source": "_source.customer.id", "Target": "_profile.Attributes.shopifyCustomerId", "ContentType": "NUMBER"},
    "email": {"Source": "_source.email", "Target": "_profile.EmailAddress", "ContentType": "EMAIL_ADDRESS"},
    "phone": {"Source": "_source.phone", "Target": "_profile.PhoneNumber", "ContentType": "PHONE_NUMBER"},
    "first_name": {"Source": "_source.customer.first_name", "Target": "_profile.FirstName", "ContentType": "NAME"},
    "last_name": {"Source": "_source.customer.last_name", "Target": "_profile.LastName", "ContentType": "NAME"},
    "billing_address1": {"Source": "_source.billing_address.address1", "Target": "_profile.BillingAddress.Address1", "ContentType": "STRING"},
    "billing_city": {"Source": "_source.billing_address.city", "Target": "_profile.BillingAddress.City", "ContentType": "STRING"},
    "billing_province": {"Source": "_source.billing_address.province", "Target": "_profile.BillingAddress.Province", "ContentType": "STRING"},
    "billing_country": {"Source": "_source.billing_address.country", "Target": "_profile.BillingAddress.Country", "ContentType": "STRING"},
    "billing_zip": {"Source": "_source.billing_address.zip", "Target": "_profile.BillingAddress.PostalCode", "ContentType": "STRING"},
    "shipping_address1": {"Source": "_source.shipping_address.address1", "Target": "_profile.ShippingAddress.Address1", "ContentType": "STRING"},
    "shipping_city": {"Source": "_source.shipping_address.city", "Target": "_profile.ShippingAddress.City", "ContentType": "STRING"},
    "shipping_province": {"Source": "_source.shipping_address.province", "Target": "_profile.ShippingAddress.Province", "ContentType": "STRING"},
    "shipping_country": {"Source": "_source.shipping_address.country", "Target": "_profile.ShippingAddress.Country", "ContentType": "STRING"},
    "shipping_zip": {"Source": "_source.shipping_address.zip", "Target": "_profile.ShippingAddress.PostalCode", "ContentType": "STRING"},
    "total_price": {"Source": "_source.total_price", "ContentType": "NUMBER"},
    "currency": {"Source": "_source.currency", "ContentType": "STRING"},
    "updated_at": {"Source": "_source.updated_at", "ContentType": "STRING"}
  },
  "Keys": {
    "_shopifyOrderId": [{"StandardIdentifiers": ["UNIQUE", "ORDER"], "FieldNames": ["id"]}],
    "_shopifyCustomerId": [{"StandardIdentifiers": ["PROFILE"], "FieldNames": ["customer_id"]}],
    "_email": [{"StandardIdentifiers": ["PROFILE", "SECONDARY"], "FieldNames": ["email"]}]
  }
})json";

}  // namespace

std::vector<std::string_view> ObjectTemplateSources() {
  return {kSalesforceAccount, kSalesforceContact, kZendeskUsers, kServiceNowSysUser,
          kMarketoLeads,      kShopifyCustomer,   kShopifyOrder};
}

}  // namespace profiled::service
