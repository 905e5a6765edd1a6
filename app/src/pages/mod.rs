//! One folder per part of the product a person can visit.

pub mod account;
pub mod kiosk;
mod lazy;
pub mod manager;
pub mod my;
pub mod sales;
pub mod stock;
pub mod vehicle;
pub mod workshop;

use lazy::lazy_page;

lazy_page!(
    /// `/vehicles/:id`, in its own chunk: the stock list (the first page most people see) does
    /// not pay for the detail view and its live room.
    VehicleRoute,
    chunk = vehicle,
    loader = load_vehicle_page,
    view = vehicle::VehiclePage
);

lazy_page!(
    /// `/kiosk`: only showroom devices ever need this code.
    KioskRoute,
    chunk = kiosk,
    loader = load_kiosk_page,
    view = kiosk::KioskPage
);

lazy_page!(
    /// `/manager/:location`: only managers need the dashboard and its charts.
    ManagerRoute,
    chunk = manager,
    loader = load_manager_page,
    view = manager::ManagerDashboardPage
);

lazy_page!(
    /// `/kiosk/exit`: staff leave kiosk mode here (not linked from anywhere, see kiosk::lock).
    KioskExitRoute,
    chunk = kiosk,
    loader = load_kiosk_exit_page,
    view = kiosk::KioskExitPage
);

lazy_page!(
    /// `/sign-in`: most visitors never sign in, so the form is not in the first download.
    SignInRoute,
    chunk = account,
    loader = load_sign_in_page,
    view = account::SignInPage
);

lazy_page!(
    /// `/work-orders`: workshop staff only.
    WorkOrdersRoute,
    chunk = workshop,
    loader = load_work_orders_page,
    view = workshop::WorkOrdersPage
);

lazy_page!(
    /// `/work-orders/:id`: workshop staff, and customers following their own car.
    WorkOrderRoute,
    chunk = workshop,
    loader = load_work_order_page,
    view = workshop::WorkOrderPage
);

lazy_page!(
    /// `/leads`: sales staff only.
    LeadsRoute,
    chunk = sales,
    loader = load_leads_page,
    view = sales::LeadsPage
);

lazy_page!(
    /// `/my`: signed-in customers.
    MyRoute,
    chunk = customer,
    loader = load_my_page,
    view = my::MyPage
);

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Not found"/>
        <section class="page narrow">
            <h1>"This page does not exist"</h1>
            <p><A href="/stock">"Browse all stock"</A></p>
        </section>
    }
}
